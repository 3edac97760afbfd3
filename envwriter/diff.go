package envwriter

import (
	"fmt"
	"strings"
)

// diffOp is one line of an edit script.
type diffOp struct {
	kind byte // ' ', '-', '+'
	line string
}

// splitLines splits text into lines without their "\n"; a last line with
// no newline gets a marker so that it differs from the same line with one.
func splitLines(text []byte) []string {
	if len(text) == 0 {
		return nil
	}
	s := string(text)
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = l[:len(l)-1]
		} else {
			lines[i] = l + noNewline
		}
	}
	return lines
}

const noNewline = "\x00nonl"

// maxDiffCells bounds the LCS table; beyond it (two large, wholly different
// middles) the diff shows a plain replacement, still correct.
const maxDiffCells = 4 << 20

// editScript computes a shortest edit script from a to b: the common prefix
// and suffix are kept as they are (gosetup's edits are local, so what is
// left in the middle is small) and the middle is diffed by LCS.
func editScript(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	for _, l := range a[:pre] {
		ops = append(ops, diffOp{' ', l})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		for _, l := range ma {
			ops = append(ops, diffOp{'-', l})
		}
		for _, l := range mb {
			ops = append(ops, diffOp{'+', l})
		}
	} else {
		ops = append(ops, lcsOps(ma, mb)...)
	}
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, diffOp{' ', l})
	}
	return ops
}

// lcsOps is the textbook longest-common-subsequence edit script.
func lcsOps(a, b []string) []diffOp {
	n, m := len(a), len(b)
	t := make([][]int32, n+1)
	for i := range t {
		t[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i]})
			i++
			j++
		case t[i+1][j] >= t[i][j+1]:
			ops = append(ops, diffOp{'-', a[i]})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		ops = append(ops, diffOp{'-', a[i]})
	}
	for ; j < m; j++ {
		ops = append(ops, diffOp{'+', b[j]})
	}
	return ops
}

// UnifiedDiff returns the unified diff (three lines of context) that turns
// old into new, with the given file labels; "" when they are equal. CRs of
// CRLF lines are not shown, and a last line without a newline is marked as
// diff(1) marks it.
func UnifiedDiff(oldName, newName string, old, new []byte) string {
	ops := editScript(splitLines(old), splitLines(new))
	const ctx = 3
	var b strings.Builder
	// Walk the ops, cutting them into hunks of changes with context.
	aLine, bLine := 0, 0 // lines consumed before ops[i]
	type pos struct{ a, b int }
	at := make([]pos, len(ops)+1)
	for i, op := range ops {
		at[i] = pos{aLine, bLine}
		if op.kind != '+' {
			aLine++
		}
		if op.kind != '-' {
			bLine++
		}
	}
	at[len(ops)] = pos{aLine, bLine}
	i := 0
	for i < len(ops) {
		// Find the next change.
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-ctx, 0)
		end := i
		// Extend while changes are within 2*ctx of each other.
		for {
			for end < len(ops) && ops[end].kind != ' ' {
				end++
			}
			k := end
			for k < len(ops) && ops[k].kind == ' ' && k-end < 2*ctx {
				k++
			}
			if k < len(ops) && ops[k].kind != ' ' {
				end = k
				continue
			}
			end = min(end+ctx, len(ops))
			break
		}
		if b.Len() == 0 {
			fmt.Fprintf(&b, "--- %s\n+++ %s\n", oldName, newName)
		}
		aN, bN := at[end].a-at[start].a, at[end].b-at[start].b
		aStart, bStart := at[start].a+1, at[start].b+1
		if aN == 0 {
			aStart--
		}
		if bN == 0 {
			bStart--
		}
		fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", aStart, aN, bStart, bN)
		for _, op := range ops[start:end] {
			line, nonl := strings.CutSuffix(op.line, noNewline)
			b.WriteByte(op.kind)
			b.WriteString(strings.TrimSuffix(line, "\r"))
			b.WriteByte('\n')
			if nonl {
				b.WriteString("\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return b.String()
}
