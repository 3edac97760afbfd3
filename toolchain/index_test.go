package toolchain

import (
	"strings"
	"testing"
)

func TestParseIndex(t *testing.T) {
	rels, err := ParseIndex(fixtureIndex(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 8 || rels[0].Version != "go1.23.1" || !rels[0].Stable || rels[2].Stable {
		t.Errorf("parsed %+v", rels[:3])
	}
	// The official index's real shape, trimmed.
	real := `[
 {"version": "go1.22.5", "stable": true, "files": [
  {"filename": "go1.22.5.src.tar.gz", "os": "", "arch": "", "version": "go1.22.5",
   "sha256": "ac9c723f224969aee624bc34fd34c9e13f2a212d75c71c807de644bb46e112f6", "size": 27562236, "kind": "source"},
  {"filename": "go1.22.5.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.22.5",
   "sha256": "904b924d435eaea086515bc63235b192ea441bd8c9b198c507e85009e6e4c7f0", "size": 68816208, "kind": "archive"}]}]`
	rels, err = ParseIndex([]byte(real))
	if err != nil {
		t.Fatal(err)
	}
	f, ok := rels[0].Archive(linuxAMD64)
	if !ok || f.Size != 68816208 || f.SHA256 != "904b924d435eaea086515bc63235b192ea441bd8c9b198c507e85009e6e4c7f0" {
		t.Errorf("archive = %+v", f)
	}
}

func TestParseIndexRejects(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "not a JSON",
		"{":                             "not a JSON",
		`{"version":"go1.22.5"}`:        "not a JSON",
		"<!DOCTYPE html><html></html>":  "HTML",
		"  \n<html>":                    "HTML",
		"[]":                            "no releases",
		`[{"version":"1.22.5"}]`:        "invalid version",
		`[{"version":"go1.22.5"}] junk`: "not a JSON",
	} {
		_, err := ParseIndex([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIndex(%q) = %v, want error mentioning %q", in, err, want)
		}
	}
}

// An archive entry that could not be verified or safely named is dropped,
// never trusted, and the rest of the index stays usable.
func TestParseIndexDropsUnverifiableArchives(t *testing.T) {
	in := `[{"version":"go1.22.5","stable":true,"files":[
	 {"filename":"go1.22.5.linux-amd64.tar.gz","os":"linux","arch":"amd64","sha256":"","size":1,"kind":"archive"},
	 {"filename":"../go1.22.5.darwin-arm64.tar.gz","os":"darwin","arch":"arm64","sha256":"` + fakeSHA("x") + `","size":1,"kind":"archive"},
	 {"filename":"go1.22.5.windows-arm64.zip","os":"windows","arch":"arm64","sha256":"` + fakeSHA("y") + `","size":0,"kind":"archive"},
	 {"filename":"go1.22.5.linux-arm64.tar.gz","os":"linux","arch":"arm64","sha256":"` + fakeSHA("z") + `","size":5,"kind":"archive"}]}]`
	rels, err := ParseIndex([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rels[0].Files) != 1 || rels[0].Files[0].Filename != "go1.22.5.linux-arm64.tar.gz" {
		t.Errorf("files kept = %+v", rels[0].Files)
	}
}
