"""The server's garbage collection (explorer/collection.py).

Each test runs in a fresh interpreter: freezing changes the process's collector for
good, and pytest's own objects would blur the counts.
"""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SESSION = """
import gc, weakref
class Model:  # a session's objects: Bokeh models refer to each other in cycles
    pass
def open_session(n=2000):
    models = [Model() for _ in range(n)]
    for a, b in zip(models, models[1:] + models[:1]):
        a.next, b.previous = b, a
    return models
"""


def run(code: str) -> None:
    out = subprocess.run([sys.executable, "-c", SESSION + textwrap.dedent(code)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok", out.stdout


def test_quieten_freezes_what_exists_at_start_and_spaces_full_collections():
    run("""
        from explorer.collection import FULL_COLLECTIONS_APART, quieten
        before = gc.get_threshold()
        quieten()
        assert gc.get_freeze_count() > 1000, gc.get_freeze_count()  # modules, classes
        assert gc.get_threshold() == (before[0], before[1], before[2] * FULL_COLLECTIONS_APART)
        session = open_session()  # made after the start: still collected
        one = weakref.ref(session[0])
        del session
        assert gc.collect() >= 2000 and one() is None
        print("ok")
    """)


def test_a_built_session_is_left_out_of_full_collections():
    run("""
        from explorer.collection import Collector
        collector = Collector()
        frozen = gc.get_freeze_count()
        session = open_session()
        collector.built()
        assert gc.get_freeze_count() >= frozen + 2000
        one = weakref.ref(session[0])
        del session
        # Unreachable now, but a full collection does not walk it: it stays.
        gc.collect()
        assert one() is not None
        print("ok")
    """)


def test_closed_sessions_cycles_are_reclaimed_after_enough_close():
    run("""
        from explorer.collection import Collector
        collector = Collector(reclaim_after=3)
        sessions = [open_session() for _ in range(4)]
        collector.built()
        refs = [weakref.ref(s[0]) for s in sessions]
        sessions[0] = sessions[1] = None
        collector.closed(still_open=3)
        collector.closed(still_open=2)
        gc.collect()  # as Panel's own collection after a close: frozen cycles wait
        assert refs[0]() is not None and refs[1]() is not None and collector.reclaims == 0
        sessions[2] = None
        collector.closed(still_open=1)  # the third since the last reclaim
        assert collector.reclaims == 1
        assert refs[0]() is None and refs[1]() is None and refs[2]() is None
        assert refs[3]() is not None  # the open one lives on, frozen again
        assert gc.get_freeze_count() >= 2000 and collector.closed_since == 0
        print("ok")
    """)


def test_the_last_session_closing_is_reclaimed_once_its_callbacks_have_let_it_go():
    run("""
        from explorer.collection import Collector
        later = []
        collector = Collector(reclaim_after=30, later=later.append)
        session = open_session()
        collector.built()
        one = weakref.ref(session[0])
        collector.closed(still_open=0)  # nobody is waiting on the server ...
        collector.closed(still_open=0)  # (one reclaim for a burst of closes)
        assert collector.reclaims == 0 and len(later) == 1
        del session  # ... and the session-ending callbacks, which held it, are done
        later.pop()()
        assert collector.reclaims == 1 and one() is None
        collector.closed(still_open=0)  # the next close schedules again
        assert len(later) == 1
        print("ok")
    """)
