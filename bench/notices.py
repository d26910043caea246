"""How long one PDF hearing notice takes to render, and how large it is.

    python -m bench.notices [--repeat 10]

Renders the hearing notice template (WeasyPrint, Noto CJK fonts) with a typical Chinese
context, once to warm up (fonts, Pango), then `--repeat` times; prints the size and the median
and maximum wall time. No database is needed.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mediation import create_app
from mediation.notices.services import render

CONTEXT = {
    "case": None, "petitioner": "王芳", "reference": "QS-2026-0042", "day": "2026年12月3日",
    "weekday": "四", "starts": "09:00", "ends": "12:00", "centre": "白云县矛盾纠纷调处化解中心",
    "address": "白云县人民路1号", "room": "第一调解室",
    "panel": [("李明", "组长"), ("张伟", "成员"), ("刘洋", "成员")], "counsellors": ["陈静"],
    "issued": "2026年11月30日", "cancelled": False,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "bench", "MEDIATION_TICK_SECONDS": 0})
    with app.test_request_context():
        render("notices/hearing_notice.html", CONTEXT)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            rendered = render("notices/hearing_notice.html", CONTEXT)
            times.append(time.perf_counter() - started)
    print(f"hearing notice: {len(rendered.pdf):,} bytes; median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {args.repeat}")


if __name__ == "__main__":
    main()
