"""Public declarations (居民自主申报) under load: the poster's page through gunicorn, the rate limits holding.

1. Throughput. gunicorn (two workers) serves the benchmark database with the project's default limits
   (INTAKE_RATE_ADDRESS 20/hour, INTAKE_RATE_POSTER 600/hour, INTAKE_RATE_VIEWS 120/min, the 3 s minimum fill
   time). The project trusts X-Forwarded-For only from PROXY_COUNT proxies; the run sets PROXY_COUNT=1, as behind
   one reverse proxy, so that BENCH_DECLARATIONS (default 3,000) residents come from as many addresses, through
   BENCH_POSTERS (default 50) posters. Each resident opens the form (GET: its CSRF cookie and check question),
   then after the minimum fill time all send it back at once from BENCH_CLIENTS (default 8) connections.
   Target: >= 100 declarations/s with p95 < 200 ms, every declaration stored, nothing refused.
2. The limits hold. One address sends 30 answered forms: 20 stored, the rest refused (429). One poster gets 620
   answered forms from 620 addresses: 600 stored, 20 refused (BENCH_POSTER_LIMIT: another limit). Forms with a
   wrong answer are refused (400) and store nothing.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks import http_server
from benchmarks.timing import line, percentile
from intake import services
from intake.models import Declaration, Poster
from orgunits.models import OrgUnit
from orgunits.services import divisions_load, unit_create

DECLARATIONS = int(os.environ.get("BENCH_DECLARATIONS", "3000"))
POSTERS = int(os.environ.get("BENCH_POSTERS", "50"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
POSTER_LIMIT = int(os.environ.get("BENCH_POSTER_LIMIT", "600"))  # declarations through one poster an hour
MIN_FILL_SECONDS = 3
TARGET_RATE = 100
TARGET_P95_MS = 200
STREET = "431302004"  # 长青街道
ROOT = Path(__file__).resolve().parent.parent
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_CHALLENGE = re.compile(r'name="challenge" value="([^"]+)"')
_QUESTION = re.compile(r'<span class="helptext" id="id_answer_helptext">([^<]+)<')
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _setup() -> list[Poster]:
    divisions_load(root_code="431300")
    street = OrgUnit.objects.get(code=STREET)
    community = unit_create(parent=street, code=STREET + "902", name="申报基准社区", kind=OrgUnit.Kind.COMMUNITY,
                            by=None)
    posters = []
    for n in range(POSTERS + 2):  # two more for the floods
        grid = unit_create(parent=community, code=f"{community.code}-{n + 1:02d}", name=f"申报基准网格{n + 1}",
                           kind=OrgUnit.Kind.GRID, by=None)
        posters.append(services.poster_create(unit=grid, by=None))
    return posters


def _resident_id(seq: int) -> str:
    from stdnum.cn import ric

    body = f"431302{19500101 + (seq % 28) + (seq // 28 % 12) * 100 + (seq // 336 % 50) * 10000}{seq % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _call(url: str, *, address: str, data: dict | None = None, cookie: str = "") -> tuple[int, str, str, float]:
    """(status, body, the csrftoken cookie set, milliseconds)."""
    headers = {"X-Forwarded-For": address}
    body = None
    if cookie:
        headers["Cookie"] = f"csrftoken={cookie}"
    if data is not None:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")
    started = time.perf_counter()
    try:
        with _OPENER.open(request, timeout=60) as response:
            status, text, set_cookie = response.status, response.read().decode(), response.headers.get_all(
                "Set-Cookie") or []
    except urllib.error.HTTPError as exc:
        status, text, set_cookie = exc.code, exc.read().decode(), []
    ms = (time.perf_counter() - started) * 1000
    token = next((c.split(";")[0].split("=", 1)[1] for c in set_cookie if c.startswith("csrftoken=")), "")
    return status, text, token, ms


class Form:
    """One resident's opened form: where to send it back, from which address, with what."""

    def __init__(self, base: str, poster: Poster, address: str, seq: int, *, wrong: bool = False):
        self.url = f"{base}/i/d/{poster.token}/"
        self.address = address
        status, text, self.cookie, self.open_ms = _call(self.url, address=address)
        assert status == 200, (status, text[:300])
        a, b = map(int, re.findall(r"\d+", _QUESTION.search(text).group(1))[:2])
        self.data = {"csrfmiddlewaretoken": _CSRF_FIELD.search(text).group(1),
                     "challenge": _CHALLENGE.search(text).group(1), "answer": str(a + b + (1 if wrong else 0)),
                     "reporter": "self", "name": f"申报{seq:05d}", "doc_type": "resident_id",
                     "doc_number": _resident_id(seq), "phone": f"139{seq:08d}", "address": f"申报基准小区{seq}号",
                     "origin": "湖北省武汉市", "arrived_on": time.strftime("%Y-%m-%d"), "symptoms": ["cough"] if seq % 7 == 0
                     else [], "website": ""}

    def send(self) -> tuple[int, float]:
        status, _text, _cookie, ms = _call(self.url, address=self.address, data=self.data, cookie=self.cookie)
        return status, ms


def _open_all(base: str, specs: list[tuple[Poster, str, int]], *, wrong: bool = False) -> list[Form]:
    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(lambda s: Form(base, s[0], s[1], s[2], wrong=wrong), specs))


def _send_all(forms: list[Form]) -> tuple[list[int], list[float], float]:
    lock, statuses, times = threading.Lock(), [], []

    def one(form):
        status, ms = form.send()
        with lock:
            statuses.append(status)
            times.append(ms)

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, forms))
    return statuses, times, time.perf_counter() - started


def _wait_fill(forms_opened_at: float) -> None:
    time.sleep(max(0.0, MIN_FILL_SECONDS + 0.2 - (time.perf_counter() - forms_opened_at)))


def main() -> None:
    posters = _setup()
    static_root = tempfile.mkdtemp(prefix="bench-static-")
    env = {"PROXY_COUNT": "1", "INTAKE_MIN_FILL_SECONDS": str(MIN_FILL_SECONDS), "STATIC_ROOT": static_root,
           "INTAKE_RATE_POSTER": f"{POSTER_LIMIT}/hour"}
    for name in ("INTAKE_RATE_ADDRESS", "INTAKE_RATE_POSTER", "INTAKE_RATE_VIEWS"):
        os.environ.pop(name, None)  # the defaults
    # The pages need the static files' manifest when DEBUG is off.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"], cwd=ROOT,
                   env=dict(os.environ, DEBUG="0", HTTPS_ONLY="0", ALLOWED_HOSTS="127.0.0.1",
                            DJANGO_SETTINGS_MODULE="fangkong.settings", **env), check=True)
    proc, base = http_server.start(workers=2, env=env, log=ROOT / "var" / "bench" / f"gunicorn-{os.getpid()}.log",
                                   ready=lambda b: _call(f"{b}/i/receipt/", address="10.255.0.1")[0] == 200)
    try:
        # 1. Throughput.
        specs = [(posters[i % POSTERS], f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256 + 1}", i)
                 for i in range(DECLARATIONS)]
        started = time.perf_counter()
        forms = _open_all(base, specs)
        opened = time.perf_counter()
        print(f"   {len(forms):,} forms opened from as many addresses in {opened - started:.1f} s "
              f"({len(forms) / (opened - started):,.0f} pages/s)")
        line("the declaration page (GET)", [f.open_ms for f in forms])
        _wait_fill(opened)
        statuses, times, seconds = _send_all(forms)
        stored = Declaration.objects.count()
        rate = stored / seconds
        print(f"   {stored:,} declarations stored of {len(forms):,} sent through {POSTERS} posters by {CLIENTS} "
              f"connections: {seconds:.1f} s, {rate:,.0f} declarations/s; answers {dict(sorted(_count(statuses).items()))}")
        line("sending a declaration (POST)", times)
        p95 = percentile(times, 95)
        print(f"   target >= {TARGET_RATE}/s with p95 < {TARGET_P95_MS} ms: "
              f"{'met' if rate >= TARGET_RATE and p95 < TARGET_P95_MS and stored == len(forms) else 'NOT met'}")

        # 2. The limits hold.
        flood = _open_all(base, [(posters[POSTERS], "10.254.0.1", 900000 + i) for i in range(30)])
        _wait_fill(time.perf_counter())
        statuses, _times, _s = _send_all(flood)
        print(f"   one address, 30 answered forms: {statuses.count(200)} stored, {statuses.count(429)} refused "
              f"(429) — limit 20/hour")
        before = Declaration.objects.count()
        wrong = _open_all(base, [(posters[POSTERS], f"10.253.0.{i + 1}", 910000 + i) for i in range(20)], wrong=True)
        _wait_fill(time.perf_counter())
        statuses, _times, _s = _send_all(wrong)
        print(f"   20 forms with a wrong answer: {statuses.count(400)} refused (400), "
              f"{Declaration.objects.count() - before} stored")
        started = time.perf_counter()
        poster_flood = _open_all(base, [(posters[POSTERS + 1], f"10.252.{i // 250}.{i % 250 + 1}", 920000 + i)
                                        for i in range(POSTER_LIMIT + 20)])
        _wait_fill(time.perf_counter())
        statuses, times, _s = _send_all(poster_flood)
        print(f"   one poster, {len(poster_flood)} answered forms from as many addresses: {statuses.count(200)} "
              f"stored, {statuses.count(429)} refused (429) — limit {POSTER_LIMIT}/hour; p95 {percentile(times, 95):.0f} ms, "
              f"median {statistics.median(times):.0f} ms")
    finally:
        http_server.stop(proc, timeout=15)


def _count(values: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out
