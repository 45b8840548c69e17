"""Tracebacks of tracked cells as the user wrote them: the cell's frames and what they called, never
IPython's or Runlane's, with the line numbers the editor shows ("Cell In[7], line 3"; in a `%%runlane`
cell the magic line is line 1). A stopped cell says one word."""
import traceback

INTERRUPTED = "Interrupted"


def cell_label(shell, filename):
    """'Cell In[7]' for a file IPython compiled a cell into, else None (IPython 8+ names cells so)."""
    format_code_name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    label = format_code_name(filename) if format_code_name is not None else None
    return "%s %s" % label if label else None


def from_first_cell_frame(shell, tb):
    """The traceback from the first frame that runs a cell's code: the frames before it are IPython's
    and Runlane's (run_code, run_cell_magic, the magic). Unchanged when no frame is a cell's."""
    first = tb
    while first is not None and cell_label(shell, first.tb_frame.f_code.co_filename) is None:
        first = first.tb_next
    return first if first is not None else tb


def user_traceback(shell, exc):
    """The text stored as a failed run's `error`: the frames shown in the cell, in Python's format."""
    frames = []
    for frame in traceback.extract_tb(from_first_cell_frame(shell, exc.__traceback__)):
        label = cell_label(shell, frame.filename)
        frames.append(traceback.FrameSummary(label, frame.lineno, frame.name, line=frame.line) if label else frame)
    return "".join(["Traceback (most recent call last):\n"] + traceback.format_list(frames)
                   + traceback.format_exception_only(type(exc), exc))


def install_interrupt_display(shell, tracker):
    """A KeyboardInterrupt (the kernel interrupted, or the daemon's stop endpoint) in a cell that
    made a run shows one line instead of a traceback through whatever was running; other cells, and
    exceptions someone else registered with IPython, are shown as before. Returns how to undo it."""
    previous = (tuple(shell.custom_exceptions), shell.CustomTB)

    def show(shell, etype, value, tb, tb_offset=None):
        if issubclass(etype, KeyboardInterrupt) and tracker.tracked_now:
            shell._showtraceback(etype, value, [INTERRUPTED])
        elif previous[0] and issubclass(etype, previous[0]):
            previous[1](etype, value, tb, tb_offset=tb_offset)
        else:
            shell.showtraceback(running_compiled_code=True)  # what IPython does without a handler

    shell.set_custom_exc((KeyboardInterrupt,) + previous[0], show)
    return previous


def uninstall_interrupt_display(shell, previous):
    shell.custom_exceptions, shell.CustomTB = previous
