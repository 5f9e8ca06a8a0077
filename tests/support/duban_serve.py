# A real `duban serve --listen 127.0.0.1:0` for the Python checks
# (tests/mailbox_links.py, tests/report/check_ics.py, tests/web/browser_test.py):
# started on a database, its output in a log file, ready once it said where
# it listens, stopped with SIGTERM (then SIGKILL) however the check ends.
#
#   with DubanServe(duban, db, log_path) as s:
#       ... s.port, s.base ("http://127.0.0.1:PORT") ...
import re
import signal
import subprocess
import time


class DubanServe:
    def __init__(self, duban, db, log_path, seconds=120):
        self.log = open(log_path, "w+")
        self.proc = subprocess.Popen([duban, "--db", db, "serve", "--listen", "127.0.0.1:0", "--for", str(seconds)],
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.port = None
        for _ in range(600):
            self.log.seek(0)
            m = re.search(r"HTTP API on http://127\.0\.0\.1:(\d+)/api/v1", self.log.read())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        if self.port is None:
            self.log.seek(0)
            said = self.log.read()
            self.stop()
            raise RuntimeError("duban serve never said where it listens:\n" + said)
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
