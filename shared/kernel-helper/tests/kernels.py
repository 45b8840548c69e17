"""A real ipykernel driven over ZMQ as JupyterLab drives it (execute_request with the cell id in its
metadata, JPY_SESSION_NAME in the kernel's environment), for the tests of kernels and job cells."""
import os
import time

import jupyter_client

from runlane.store.reader import StoreReader


class Kernel:
    def __init__(self, tmp_path):
        self.store = tmp_path / "store"
        self.notebook = str(tmp_path / "train.ipynb")
        env = dict(os.environ, RUNLANE_DIR=str(self.store), JPY_SESSION_NAME=self.notebook)
        self.km = jupyter_client.KernelManager(kernel_name="python3")
        self.km.kernel_cmd = None
        self.km.start_kernel(env=env, cwd=str(tmp_path), extra_arguments=[])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    def send(self, code, cell_id, metadata=None):
        md = {"cellId": cell_id}
        md.update(metadata or {})
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        msg = self.kc.session.msg("execute_request", content, metadata=md)
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    def outputs(self, msg_id, timeout=60):
        """iopub messages of one execution until the kernel is idle again."""
        out = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = self.kc.get_iopub_msg(timeout=deadline - time.time())
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return out
            out.append(msg)
        raise TimeoutError("the kernel did not finish the cell")

    def run(self, code, cell_id="cell-1", metadata=None):
        return self.outputs(self.send(code, cell_id, metadata))

    def runs(self):
        return StoreReader(self.store).list_runs() if self.store.exists() else []

    def stop(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def text_of(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def wait_for(predicate, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    return predicate()
