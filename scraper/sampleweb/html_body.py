"""Report body HTML: plain CMS markup, or Word-pasted markup (mso styles, split number spans)."""

from __future__ import annotations

import html
import random

from .report_doc import Block

_TD_STYLE = ("width:{w}.0000pt;padding:3.7500pt 3.7500pt 3.7500pt 3.7500pt ;border-left:1.0000pt outset windowtext;"
             "mso-border-left-alt:1.0000pt outset windowtext;border-right:1.0000pt outset windowtext;"
             "mso-border-right-alt:1.0000pt outset windowtext;border-top:none;mso-border-top-alt:none;"
             "border-bottom:1.0000pt outset windowtext;mso-border-bottom-alt:1.0000pt outset windowtext;")
_P_STYLE = ("margin-top:1.5000pt;margin-right:0.0000pt;margin-bottom:0.0000pt;margin-left:0.0000pt;"
            "text-indent:0.0000pt;word-break:break-all;mso-pagination:widow-orphan;text-align:justify;"
            "text-justify:inter-ideograph;line-height:21.0000pt;")
_SPAN = ("font-family:仿宋_GB2312;mso-hansi-font-family:Calibri;color:rgb(51,51,51);letter-spacing:0.0000pt;"
         "font-size:14.0000pt;mso-font-kerning:0.0000pt;")
_TAIL = ('<span style="font-family:Calibri;mso-fareast-font-family:宋体;mso-bidi-font-family:\'Times New Roman\';'
         'font-size:12.0000pt;mso-font-kerning:0.0000pt;"><o:p></o:p></span>')


def _text(t: str) -> str:
    return html.escape(t, quote=False).replace("&lt;br&gt;", "<br>")


def render_body(blocks: list[Block], word: bool, heavy: bool, seed: str, fw_labels: bool = False) -> str:
    """HTML of the report blocks (without the title, which the page template prints)."""
    rng = random.Random(seed)
    out: list[str] = []
    for b in blocks:
        if b.kind == "title":
            continue
        if b.kind in ("h", "p"):
            if word:
                style = "text-indent:32.0000pt;mso-char-indent-count:2.0000;line-height:28.0000pt;"
                out.append(f'<p class=MsoNormal style="{style}"><span style="{_SPAN}">{_text(b.text)}</span>'
                           f"{_TAIL if heavy else ''}</p>")
            else:
                tag = "p" if b.kind == "p" else 'p style="font-weight:bold"'
                out.append(f"<{tag}>{_text(b.text)}</p>")
            continue
        out.append(_table(b, word, heavy, rng))
    return "\n".join(out)


def _num_html(t: str, word: bool, rng: random.Random) -> str:
    if word and len(t) >= 2 and t.isdigit() and rng.random() < 0.35:
        k = rng.randint(1, len(t) - 1)
        return f'{t[:k]}</span><span style="{_SPAN}">{t[k:]}'
    return _text(t)


def _table(b: Block, word: bool, heavy: bool, rng: random.Random) -> str:
    rows = []
    for row in b.rows or []:
        cells = []
        for text, rs, cs in row:
            attrs = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            inner = "&nbsp;" if text is None else _num_html(text, word, rng)
            if heavy:
                w = 40 * cs
                cells.append(f'<td width="{w}" valign="center"{attrs} style="{_TD_STYLE.format(w=w)}">'
                             f'<p class="p" align="justify" style="{_P_STYLE}"><span style="{_SPAN}">{inner}</span>'
                             f"{_TAIL}</p></td>")
            elif word:
                cells.append(f'<td{attrs} style="border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;'
                             f'padding:0cm 5.4pt 0cm 5.4pt"><p class=MsoNormal align=center style="text-align:center">'
                             f'<span lang=EN-US style="font-size:10.5pt;font-family:宋体">{inner}</span></p></td>')
            else:
                cells.append(f"<td{attrs}>{inner}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cls = ' class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style="border-collapse:collapse;mso-table-layout-alt:fixed;mso-yfti-tbllook:1184"' if word else ' border="1" cellspacing="0"'
    return f"<table{cls}><tbody>" + "".join(rows) + "</tbody></table>"
