//go:build unix

package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loadWithin runs Load and fails the test if it does not return promptly
// (a FIFO with no writer blocks open(2) for ever).
func loadWithin(t *testing.T, path string) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Load(path, nil)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		// Unblock the stuck open so the goroutine ends.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
		t.Fatalf("Load(%s) still blocked after 5s", path)
		return nil
	}
}

// --mirrors naming a FIFO, a device or a directory is refused at once.
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-fifo")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, link, "/dev/zero", "/dev/null", dir} {
		err := loadWithin(t, p)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), p) {
			t.Errorf("Load(%s) = %v, want a not-a-regular-file error naming it", p, err)
		}
	}
}

// A catalogue over the size cap says so, not "unexpected EOF".
func TestLoadTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.json")
	big := `{"mode":"extend","proxy":[` + strings.Repeat(`{"name":"x","url":"https://x.example"},`, maxFileSize/30) + `]}`
	if err := os.WriteFile(p, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	err := loadWithin(t, p)
	if err == nil || !strings.Contains(err.Error(), "larger than") || strings.Contains(err.Error(), "EOF") {
		t.Fatalf("err = %v, want one naming the size cap", err)
	}
	// A symlink to a regular file is fine.
	good := filepath.Join(t.TempDir(), "ok.json")
	os.WriteFile(good, []byte(`{"mode":"extend"}`), 0o644)
	link := filepath.Join(t.TempDir(), "link.json")
	os.Symlink(good, link)
	if err := loadWithin(t, link); err != nil {
		t.Fatal(err)
	}
}
