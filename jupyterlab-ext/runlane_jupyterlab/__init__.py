"""Runlane for JupyterLab: the prebuilt labextension (Runs sidebar, charts, run details, Run Cell as
Experiment) and a small Jupyter server extension through which the page reaches the one Runlane
daemon, behind Jupyter's own authentication."""
__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "runlane-jupyterlab"}]


def _jupyter_server_extension_points():
    return [{"module": "runlane_jupyterlab"}]


def _load_jupyter_server_extension(server_app):
    from .handlers import setup_handlers

    setup_handlers(server_app.web_app, server_app.root_dir, server_app.log)
    server_app.log.info("Runlane: the daemon is reachable at %srunlane/api/v1", server_app.web_app.settings["base_url"])
