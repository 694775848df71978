"""Shared by the bench/ scripts: paths and a peak-RSS probe."""
import os, subprocess

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = os.environ.get("MORPH_BUILD", os.path.join(top, "build"))
if not os.path.isabs(build):
    build = os.path.join(top, build)
morph = os.path.join(build, "morph")
fixtures = os.path.join(build, "fixtures")


def build_fixtures():
    subprocess.run([os.path.join(top, "tests/fixtures/build-all"), fixtures],
                   check=True, stdout=subprocess.DEVNULL)


def peak_rss_mib(args):
    """Peak RSS of one run, from GNU time (the fork-then-exec of this
    Python process would inflate getrusage's figure)."""
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + args, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1]) / 1024
