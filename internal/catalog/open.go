package catalog

import (
	"fmt"
	"io"
	"os"
)

// readFile reads a catalogue file, refusing anything that is not a regular
// file: opening a FIFO with no writer blocks for ever (and no signal
// handler can interrupt it), and a device such as /dev/zero or a terminal
// never ends. The file is stat'ed before it is opened, opened without
// blocking, and checked again through the open descriptor, so a file
// swapped between the two steps is caught too.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi)
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(path, fi)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d MB, the most a catalogue file may have; is it the right file?", path, maxFileSize>>20)
	}
	return data, nil
}

func notRegular(path string, fi os.FileInfo) error {
	what := "a " + fi.Mode().Type().String() + " entry"
	switch t := fi.Mode().Type(); {
	case t&os.ModeDir != 0:
		what = "a directory"
	case t&os.ModeNamedPipe != 0:
		what = "a FIFO"
	case t&os.ModeSocket != 0:
		what = "a socket"
	case t&os.ModeDevice != 0:
		what = "a device"
	}
	return fmt.Errorf("%s is %s, not a regular file; a catalogue must be a JSON file", path, what)
}
