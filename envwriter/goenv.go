package envwriter

import (
	"bytes"
	"sort"
	"strings"
)

// ParseGoEnv reads a Go env file as the go command does
// (cmd/go/internal/cfg.readEnvFile): KEY=VALUE lines whose key starts with
// an upper-case letter; anything else is ignored; the last copy wins.
func ParseGoEnv(text []byte) map[string]string {
	m := map[string]string{}
	for _, line := range bytes.Split(text, []byte("\n")) {
		i := bytes.IndexByte(line, '=')
		if i < 0 || line[0] < 'A' || 'Z' < line[0] {
			continue
		}
		m[string(line[:i])] = string(line[i+1:])
	}
	return m
}

// goEnvLine finds the line number (1-based) of key's effective value.
func goEnvLine(text []byte, key string) int {
	n := 0
	for i, line := range strings.Split(string(text), "\n") {
		if lineToKey(line) == key && line != "" && 'A' <= line[0] && line[0] <= 'Z' {
			n = i + 1
		}
	}
	return n
}

// UpdateGoEnv returns text changed exactly as `go env -w` (for add) and
// `go env -u` (for del) would change it (cmd/go/internal/envcmd.updateEnvFile):
// the last copy of each key is updated in place and earlier copies dropped,
// new keys are appended, runs of KEY=VALUE lines are sorted by key, and the
// file ends with a newline.
func UpdateGoEnv(text []byte, add map[string]string, del []string) []byte {
	lines := strings.SplitAfter(string(text), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	} else {
		lines[len(lines)-1] += "\n"
	}
	prev := make(map[string]int)
	for l, line := range lines {
		if key := lineToKey(line); key != "" {
			if p, ok := prev[key]; ok {
				lines[p] = ""
			}
			prev[key] = l
		}
	}
	var appended []string
	for key, val := range add {
		if p, ok := prev[key]; ok {
			lines[p] = key + "=" + val + "\n"
		} else {
			appended = append(appended, key+"="+val+"\n")
		}
	}
	// The go command appends in map order and then sorts the run; sorting
	// first makes the result independent of that order in every case.
	sort.Strings(appended)
	lines = append(lines, appended...)
	for _, key := range del {
		if p, ok := prev[key]; ok {
			lines[p] = ""
		}
	}
	start := 0
	for i := 0; i <= len(lines); i++ {
		if i == len(lines) || lineToKey(lines[i]) == "" {
			sortKeyValues(lines[start:i])
			start = i + 1
		}
	}
	return []byte(strings.Join(lines, ""))
}

// lineToKey is cmd/go's: the KEY of a KEY=VALUE line, else "".
func lineToKey(line string) string {
	i := strings.Index(line, "=")
	if i < 0 || strings.Contains(line[:i], "#") {
		return ""
	}
	return line[:i]
}

// sortKeyValues is cmd/go's (GO386= sorts after GO=).
func sortKeyValues(lines []string) {
	sort.Slice(lines, func(i, j int) bool {
		return lineToKey(lines[i]) < lineToKey(lines[j])
	})
}
