"""Small SVG charts drawn on the server, so the web page and the PDF show the same picture without any
script or external asset. Each function returns SVG markup safe to embed in HTML."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

from criteria.scoring import format_number

BAR = "#1f5fae"
TARGET = "#c8102e"
GRID = "#d0d5dd"
TEXT = "#222"
FONT = 'font-family="Tinos, Times New Roman, serif"'


def _svg(width: int, height: int, body: list[str], title: str) -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def bar_chart(items: list[tuple[str, float]], *, title: str, x_label: str = "", width=520, height=240) -> SafeString:
    """Vertical bars with their value on top (e.g. wards by criteria met)."""
    left, bottom, top = 36, 40, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max((v for _, v in items), default=0) or 1
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GRID}"/>']
    step = plot_w / max(len(items), 1)
    for i, (label, value) in enumerate(items):
        h = plot_h * value / peak
        x = left + i * step + step * 0.15
        y = top + plot_h - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        cx = x + step * 0.35
        body.append(
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle" fill="{TEXT}">{format_number(value)}</text>'
        )
        body.append(
            f'<text x="{cx:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="{TEXT}">{escape(label)}</text>'
        )
    if x_label:
        body.append(
            f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">{escape(x_label)}</text>'
        )
    return _svg(width, height, body, title)


def horizontal_bars(
    items: list[tuple[str, float, str]], *, maximum: float, suffix: str = "", title: str, width=520
) -> SafeString:
    """One labelled bar per row (e.g. each criterion's pass rate, weakest first)."""
    row, left, right = 18, 48, 54
    height = row * len(items) + 10
    plot_w = width - left - right
    body = []
    for i, (label, value, shown) in enumerate(items):
        y = 5 + i * row
        w = plot_w * (value / maximum if maximum else 0)
        body.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>')
        body.append(f'<rect x="{left}" y="{y + 2}" width="{plot_w}" height="{row - 6}" fill="#eef1f6"/>')
        body.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 6}" fill="{BAR}"/>')
        body.append(f'<text x="{left + plot_w + 6}" y="{y + 12}" fill="{TEXT}">{escape(shown)}{escape(suffix)}</text>')
    return _svg(width, height, body, title)


def roadmap_chart(
    items: list[tuple[int, int, int | None]], *, title: str, legend: str, width=520, height=220
) -> SafeString:
    """Per milestone year: certified wards (bar) against the target (red mark), the legend below. A milestone
    still ahead (certified None) shows its target only: nothing is achieved there yet."""
    left, bottom, top = 36, 34, 16
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max([t for _, t, _ in items] + [c for _, _, c in items if c is not None] + [1])
    step = plot_w / max(len(items), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{GRID}"/>']
    for i, (year, target, certified) in enumerate(items):
        x = left + i * step + step * 0.2
        bw = step * 0.6
        h = plot_h * (certified or 0) / peak
        ty = top + plot_h - plot_h * target / peak
        if certified is not None:
            body.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bw:.1f}" height="{h:.1f}" fill="{BAR}"/>'
            )
        body.append(
            f'<line x1="{x - 4:.1f}" y1="{ty:.1f}" x2="{x + bw + 4:.1f}" y2="{ty:.1f}" stroke="{TARGET}" stroke-width="3"/>'
        )
        body.append(f'<text x="{x + bw / 2:.1f}" y="{ty - 5:.1f}" text-anchor="middle" fill="{TARGET}">{target}</text>')
        body.append(
            f'<text x="{x + bw / 2:.1f}" y="{top + plot_h - h + 14:.1f}" text-anchor="middle" fill="#fff">'
            f"{certified if certified is not None and h > 16 else ''}</text>"
        )
        body.append(
            f'<text x="{x + bw / 2:.1f}" y="{top + plot_h + 16:.1f}" text-anchor="middle" fill="{TEXT}">{year}</text>'
        )
    body.append(f'<text x="{left}" y="{height - 4}" fill="{TEXT}">{escape(legend)}</text>')
    return _svg(width, height, body, title)


def share_bars(items: list[tuple[str, float, float]], *, title: str, legend: str, width=640) -> SafeString:
    """Per row (e.g. a province) two shares in percent on one track: the first as a light bar, the second as a
    dark bar over it, its value written at the end; the legend below."""
    row, left, right = 18, 170, 54
    height = row * len(items) + 30
    plot_w = width - left - right
    body = []
    for i, (label, first, second) in enumerate(items):
        y = 5 + i * row
        body.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end" fill="{TEXT}">{escape(label)}</text>')
        body.append(f'<rect x="{left}" y="{y + 2}" width="{plot_w}" height="{row - 6}" fill="#eef1f6"/>')
        body.append(
            f'<rect x="{left}" y="{y + 2}" width="{plot_w * first / 100:.1f}" height="{row - 6}" fill="#9dbbe3"/>'
        )
        body.append(
            f'<rect x="{left}" y="{y + 2}" width="{plot_w * second / 100:.1f}" height="{row - 6}" fill="{BAR}"/>'
        )
        shown = f"{format_number(second, decimals=1)}%"
        body.append(f'<text x="{left + plot_w + 6}" y="{y + 12}" fill="{TEXT}">{escape(shown)}</text>')
    body.append(f'<text x="{left}" y="{height - 8}" fill="{TEXT}">{escape(legend)}</text>')
    return _svg(width, height, body, title)
