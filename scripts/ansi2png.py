#!/usr/bin/env python3
"""ansi2png: render a tmux `capture-pane -e -p` capture to a small PNG.

Usage: ansi2png.py IN.ansi OUT.png

It reads the SGR colours and bold that capture-pane keeps, lays the text out
on a fixed cell grid in DejaVu Sans Mono and has ImageMagick draw it, then
writes an 8-bit palette PNG (the README's screenshots stay small). No other
escape sequence appears in a capture.
"""
import re
import subprocess
import sys
import tempfile

SIZE = 14  # font size in px
LH = 18  # line height
PAD = 14
BG = (0x1e, 0x1e, 0x2e)
FG = (0xcd, 0xd6, 0xf4)
BASE16 = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
          (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]


def xterm(n):
    if n < 16:
        return BASE16[n]
    if n < 232:
        n -= 16
        lv = [0, 95, 135, 175, 215, 255]
        return (lv[n // 36], lv[n // 6 % 6], lv[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def sgr(params, st):
    ps = [int(p) if p else 0 for p in params.split(';')] if params else [0]
    i = 0
    while i < len(ps):
        p = ps[i]
        if p == 0:
            st.update(fg=None, bg=None, bold=False)
        elif p == 1:
            st['bold'] = True
        elif p == 22:
            st['bold'] = False
        elif p == 39:
            st['fg'] = None
        elif p == 49:
            st['bg'] = None
        elif p in (38, 48) and i + 2 < len(ps) and ps[i + 1] == 5:
            st['fg' if p == 38 else 'bg'] = xterm(ps[i + 2])
            i += 2
        elif p in (38, 48) and i + 4 < len(ps) and ps[i + 1] == 2:
            st['fg' if p == 38 else 'bg'] = tuple(ps[i + 2:i + 5])
            i += 4
        elif 30 <= p <= 37:
            st['fg'] = BASE16[p - 30]
        elif 90 <= p <= 97:
            st['fg'] = BASE16[p - 90 + 8]
        elif 40 <= p <= 47:
            st['bg'] = BASE16[p - 40]
        i += 1


def advance():
    """The cell width: ImageMagick's hinted advance of the font (8 px at 14,
    not the font's nominal 0.6 em), measured over 100 glyphs."""
    out = subprocess.run(['convert', '-size', '4000x60', 'xc:white', '-font', 'DejaVu-Sans-Mono', '-pointsize', str(SIZE),
                          '-fill', 'black', '-annotate', '+0+30', 'x' * 100, '-trim', 'info:-'],
                         capture_output=True, check=True, text=True).stdout
    return int(out.split()[2].split('x')[0]) / 100


def main(src, dst):
    global CW
    CW = advance()
    text = open(src, encoding='utf-8').read().rstrip('\n').split('\n')
    st = {'fg': None, 'bg': None, 'bold': False}
    runs = []  # (row, col, text, fg, bg, bold)
    cols = 0
    for row, line in enumerate(text):
        col = 0
        for m in re.finditer(r'\x1b\[([0-9;]*)m|([^\x1b]+)', line):
            if m.group(1) is not None:
                sgr(m.group(1), st)
                continue
            s = m.group(2)
            runs.append((row, col, s, st['fg'], st['bg'], st['bold']))
            col += len(s)
        cols = max(cols, col)
    w, h = int(cols * CW + 2 * PAD), len(text) * LH + 2 * PAD
    mvg = ['viewbox 0 0 %d %d' % (w, h), 'fill rgb(%d,%d,%d) rectangle 0,0 %d,%d' % (BG + (w, h)),
           'font-size %d' % SIZE, 'text-antialias 1']
    for row, col, s, fg, bg, bold in runs:
        x, y = PAD + col * CW, PAD + row * LH
        if bg:
            mvg.append('fill rgb(%d,%d,%d) rectangle %.1f,%d %.1f,%d' % (bg + (x, y, x + len(s) * CW, y + LH)))
        if not s.strip():
            continue
        # ImageMagick drops leading spaces: start at the first glyph.
        k = len(s) - len(s.lstrip(' '))
        s, x = s[k:].rstrip(' '), x + k * CW
        esc = s.replace('\\', '\\\\').replace('"', '\\"')
        mvg.append('font "DejaVu-Sans-Mono%s"' % ('-Bold' if bold else ''))
        mvg.append('fill rgb(%d,%d,%d) text %.1f,%d "%s"' % ((fg or FG) + (x, y + SIZE, esc)))
    with tempfile.NamedTemporaryFile('w', suffix='.mvg', encoding='utf-8') as f:
        f.write('\n'.join(mvg) + '\n')
        f.flush()
        subprocess.run(['convert', 'mvg:' + f.name, '-colors', '48', '-define', 'png:compression-level=9', 'PNG8:' + dst], check=True)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
