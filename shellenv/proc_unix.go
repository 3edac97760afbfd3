//go:build unix

package shellenv

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr starts the shell in a session of its own: it has no
// controlling terminal, so an interactive shell cannot take over or stop
// on the terminal gosetup runs in, a startup file that opens /dev/tty
// fails instead of waiting for the user, and the whole process group can
// be killed at once.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
}

// killGroup kills the shell and everything it started in its session.
func killGroup(p *os.Process) error {
	if p == nil {
		return nil
	}
	err := syscall.Kill(-p.Pid, syscall.SIGKILL)
	if err == syscall.ESRCH {
		return os.ErrProcessDone
	}
	return err
}
