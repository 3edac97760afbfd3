package envwriter

import (
	"bytes"
	"fmt"
)

// The managed block: gosetup's only footprint in a user's startup file.
// Everything outside the two marker lines is never touched.
const (
	BeginMarker = "# >>> gosetup >>>"
	EndMarker   = "# <<< gosetup <<<"
)

// blockSpan locates the managed block in text: the offset of the begin
// marker line's first byte and the offset just past the end marker line's
// line ending (or the end of text). found is false when there is no block.
// A begin without an end, an end without a begin or two blocks are errors:
// the file was edited by hand and gosetup will not guess.
func blockSpan(text []byte) (start, end int, found bool, err error) {
	start, end = -1, -1
	off := 0
	for off < len(text) {
		line := text[off:]
		next := len(text)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], off+i+1
		}
		l := string(bytes.TrimRight(line, "\r"))
		switch l {
		case BeginMarker:
			if start >= 0 {
				return 0, 0, false, fmt.Errorf("two %q lines; remove the gosetup block by hand and run gosetup again", BeginMarker)
			}
			start = off
		case EndMarker:
			if start < 0 || end >= 0 {
				return 0, 0, false, fmt.Errorf("%q without a matching %q; remove the gosetup lines by hand and run gosetup again", EndMarker, BeginMarker)
			}
			end = next
		}
		off = next
	}
	if start >= 0 && end < 0 {
		return 0, 0, false, fmt.Errorf("%q without a matching %q; remove the gosetup lines by hand and run gosetup again", BeginMarker, EndMarker)
	}
	return start, end, start >= 0, nil
}

// lineEnding is the file's line ending: CRLF when its first line ends so,
// else LF. A file edited on Windows keeps its CRLF in gosetup's lines too.
func lineEnding(text []byte) string {
	if i := bytes.IndexByte(text, '\n'); i > 0 && text[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// renderBlock is the block with its markers, each line ended by eol.
func renderBlock(body []string, eol string) []byte {
	var b bytes.Buffer
	b.WriteString(BeginMarker + eol)
	for _, l := range body {
		b.WriteString(l + eol)
	}
	b.WriteString(EndMarker + eol)
	return b.Bytes()
}

// UpsertBlock returns text with the managed block holding body (lines
// without endings): replaced in place when present, else appended. Bytes
// outside the block are unchanged. A file without a final newline keeps
// lacking one: the block is appended after a line break and itself ends
// without one, so RemoveBlock can restore the original exactly.
func UpsertBlock(text []byte, body []string) ([]byte, error) {
	start, end, found, err := blockSpan(text)
	if err != nil {
		return nil, err
	}
	eol := lineEnding(text)
	block := renderBlock(body, eol)
	if found {
		if end == len(text) && !bytes.HasSuffix(text, []byte("\n")) {
			block = bytes.TrimSuffix(block, []byte(eol))
		}
		out := append([]byte{}, text[:start]...)
		out = append(out, block...)
		return append(out, text[end:]...), nil
	}
	out := append([]byte{}, text...)
	if len(text) > 0 && !bytes.HasSuffix(text, []byte("\n")) {
		out = append(out, eol...)
		return append(out, bytes.TrimSuffix(block, []byte(eol))...), nil
	}
	return append(out, block...), nil
}

// RemoveBlock returns text without the managed block, undoing UpsertBlock
// byte for byte, and whether there was a block.
func RemoveBlock(text []byte) ([]byte, bool, error) {
	start, end, found, err := blockSpan(text)
	if err != nil || !found {
		return text, false, err
	}
	out := append([]byte{}, text[:start]...)
	if end == len(text) && !bytes.HasSuffix(text, []byte("\n")) {
		// The block was the unterminated last line: drop the line break
		// UpsertBlock added before it.
		out = bytes.TrimSuffix(out, []byte(lineEnding(text)))
	}
	return append(out, text[end:]...), true, nil
}

// HasBlock reports whether text holds a managed block.
func HasBlock(text []byte) bool {
	_, _, found, _ := blockSpan(text)
	return found
}
