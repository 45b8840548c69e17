"""Snapshot files are replaced atomically: temp file beside the target, fsync, rename."""
import os


def write_file_atomic(path, data, writer_id):
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = "%s.tmp-%s" % (path, writer_id)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        # A full disk: the half-written temp file would sit in the store (and fill it) for good.
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def copy_file_atomic(source, target, writer_id):
    """Copies a file to a temp name beside `target`, then renames it: no reader sees half a file."""
    import shutil  # here, not at the top: it costs a process's first rl.log several ms (fnmatch, bz2, lzma)

    os.makedirs(os.path.dirname(target), exist_ok=True)
    tmp = "%s.tmp-%s" % (target, writer_id)
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)


def is_temp_file(name):
    return ".tmp-" in name
