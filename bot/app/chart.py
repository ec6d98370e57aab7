"""A bar chart of reactions across a story's installments, as PNG bytes."""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw, ImageFont

from bot.store.responses import InstallmentReactions

WIDTH, HEIGHT = 800, 360
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 56, 48, 44
BACKGROUND, AXIS, BAR, TEXT = (43, 45, 49), (120, 124, 130), (88, 101, 242), (220, 221, 222)


def reactions_chart(title: str, per_installment: list[InstallmentReactions], installments: int) -> bytes:
    """Reactions per installment, 1 to ``installments``, with the story's title on top."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    totals = {r.installment: r.total for r in per_installment}
    count = max(1, installments, max(totals, default=0))
    peak = max(1, max(totals.values(), default=0))
    plot_w, plot_h = WIDTH - MARGIN_LEFT - 20, HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    draw.text((MARGIN_LEFT, 14), f"Reactions across {title}"[:90], fill=TEXT, font=font)
    base_y = MARGIN_TOP + plot_h
    draw.line((MARGIN_LEFT, MARGIN_TOP, MARGIN_LEFT, base_y), fill=AXIS)
    draw.line((MARGIN_LEFT, base_y, MARGIN_LEFT + plot_w, base_y), fill=AXIS)
    for tick in range(0, 5):
        value = round(peak * tick / 4)
        y = base_y - plot_h * value / peak
        draw.text((8, y - 6), str(value), fill=TEXT, font=font)
    slot = plot_w / count
    for n in range(1, count + 1):
        x0 = MARGIN_LEFT + (n - 1) * slot + slot * 0.15
        x1 = MARGIN_LEFT + n * slot - slot * 0.15
        height = plot_h * totals.get(n, 0) / peak
        if height:
            draw.rectangle((x0, base_y - height, x1, base_y), fill=BAR)
        if count <= 40 or n % max(1, count // 20) == 0:
            draw.text(((x0 + x1) / 2 - 4, base_y + 6), str(n), fill=TEXT, font=font)
    draw.text((MARGIN_LEFT + plot_w / 2 - 30, HEIGHT - 22), "installment", fill=AXIS, font=font)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
