package filelock

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// TestMain lets the test binary act as another process holding a lock:
// it locks $FILELOCK_HOLD, prints "held", and waits to be killed.
func TestMain(m *testing.M) {
	if p := os.Getenv("FILELOCK_HOLD"); p != "" {
		l, err := Acquire(context.Background(), p, Options{})
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		time.Sleep(time.Hour)
		l.Release()
		return
	}
	os.Exit(m.Run())
}

func TestBusyThenFree(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "x.lock")
	l, err := Acquire(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	waited := 0
	_, err = Acquire(context.Background(), p, Options{Wait: 100 * time.Millisecond, OnWait: func() { waited++ }})
	var be *BusyError
	if !errors.As(err, &be) || !errors.Is(err, ErrBusy) || be.Path != p || waited != 1 {
		t.Fatalf("second Acquire: %v (waited %d)", err, waited)
	}
	// A waiter gets the lock as soon as the holder lets go.
	got := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		l2, err := Acquire(context.Background(), p, Options{Wait: time.Minute, OnWait: func() { close(started) }})
		if err == nil {
			err = l2.Release()
		}
		got <- err
	}()
	<-started
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("waiter: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	if _, err := os.Stat(p); runtime.GOOS != "windows" && err == nil {
		t.Errorf("the lock file stays after Release")
	}
}

func TestCancelWhileWaiting(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Acquire(ctx, p, Options{Wait: time.Hour, OnWait: cancel})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// Another process's lock is seen, and dies with it (SIGKILL included).
func TestOtherProcess(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs a subprocess and kill")
	}
	p := filepath.Join(t.TempDir(), "x.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FILELOCK_HOLD="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "held\n" {
		t.Fatalf("holder said %q", line)
	}
	_, err = Acquire(context.Background(), p, Options{Wait: 50 * time.Millisecond})
	var be *BusyError
	if !errors.As(err, &be) || be.PID != cmd.Process.Pid {
		t.Fatalf("lock held by pid %d: got %v", cmd.Process.Pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(context.Background(), p, Options{Wait: 5 * time.Second})
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}

// Many goroutines through one lock, each releasing (and so removing the
// file) while others wait on it: never two holders at once.
func TestMutualExclusionAcrossRemoval(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	var inside, max int32
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				l, err := Acquire(context.Background(), p, Options{Wait: time.Minute})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				inside++
				if inside > max {
					max = inside
				}
				mu.Unlock()
				runtime.Gosched()
				mu.Lock()
				inside--
				mu.Unlock()
				l.Release()
			}
		}()
	}
	wg.Wait()
	if max != 1 {
		t.Fatalf("%d holders at once", max)
	}
}
