"""A certificate as a one-page PDF in Chinese (reportlab).

The font is reportlab's built-in CID font STSong-Light (Adobe-GB1): the PDF names it and carries no glyphs, so
nothing is downloaded or bundled and the file stays small; the viewer supplies a Song face (poppler maps it to an
installed CJK font such as Noto CJK). The QR code is reportlab's own widget (no further dependency)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from civicflow_verify import fingerprint
from domain.certificate import CONFIRMED, LOCAL_TIME

FONT = "STSong-Light"
BASIS = {CONFIRMED: "居民确认", "declared": "本人申报"}
QR_SIZE = 32 * mm


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=28, alignment=1, spaceAfter=6 * mm)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.grey)
    return title, body, small


def render_pdf(document: dict[str, Any], public_key: str) -> bytes:
    title, body, small = _styles()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(buffer, pagesize=A4, title=f"志愿服务记录证明 {document['serial']}", author="civicflow",
                            leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
                            invariant=1)
    pdf.build([Paragraph("志愿服务记录证明", title), *_header(document, body), Spacer(1, 4 * mm),
               _services(document, body), Spacer(1, 4 * mm), *_footer(document, public_key, body, small)])
    return buffer.getvalue()


def _header(document: dict[str, Any], body: ParagraphStyle) -> list[Paragraph]:
    volunteer, period = document["volunteer"], document["period"]
    lines = [f"证明编号：{document['serial']}", f"志愿者：{volunteer['name']}（登记手机号 {volunteer['masked_id']}）",
             f"出具单位：{document['issuer']['name']}", f"服务期间：{period['from']} 至 {period['to']}",
             "兹证明该志愿者在上述期间参加志愿服务，记录如下："]
    return [Paragraph(_escape(line), body) for line in lines]


def _services(document: dict[str, Any], body: ParagraphStyle) -> Table:
    rows = [["日期", "服务类别", "服务站点", "时长（分钟）", "记录方式"]]
    rows += [[s["date"], s["category_name"], s["site_name"], str(s["minutes"]), BASIS.get(s["basis"], s["basis"])]
             for s in document["services"]] or [["—", "期间内无服务记录", "", "0", ""]]
    cells = [[Paragraph(_escape(cell), body) for cell in row] for row in rows]
    table = Table(cells, colWidths=[26 * mm, 34 * mm, 60 * mm, 24 * mm, 28 * mm], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _footer(document: dict[str, Any], public_key: str, body: ParagraphStyle, small: ParagraphStyle) -> list[Any]:
    t = document["totals"]
    issued = datetime.fromisoformat(document["issued_at"]).astimezone(LOCAL_TIME).date().isoformat()
    lines = [f"合计：共 {t['services']} 项服务，{t['all_minutes']} 分钟（{hours(t['all_minutes'])} 小时），其中居民确认 "
             f"{t['confirmed_minutes']} 分钟，本人申报 {t['declared_minutes']} 分钟。", f"出具日期：{issued}"]
    qr = QrCodeWidget(document["verify_url"], barLevel="M")
    left, bottom, right, top = qr.getBounds()
    drawing = Drawing(QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0])
    drawing.add(qr)
    note = Paragraph(_escape(f"扫描二维码或访问 {document['verify_url']} 核验本证明（无需账号）。电子版（JSON）由平台审计密钥"
                             f"（Ed25519，指纹 {fingerprint(public_key)}）签名，可用 civicflow-verify --certificate 离线核验。"),
                     small)
    return [*(Paragraph(_escape(line), body) for line in lines), Spacer(1, 4 * mm),
            Table([[drawing, note]], colWidths=[QR_SIZE + 4 * mm, None])]


def hours(minutes: int) -> str:
    """Hours as shown to people, to one decimal."""
    return f"{minutes / 60:.1f}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
