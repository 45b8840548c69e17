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


def is_temp_file(name):
    return ".tmp-" in name
