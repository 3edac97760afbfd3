//go:build !unix

package shellenv

import (
	"os"
	"os/exec"
)

func setProcAttr(*exec.Cmd) {}

func killGroup(p *os.Process) error {
	if p == nil {
		return nil
	}
	return p.Kill()
}
