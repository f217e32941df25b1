package testserver_test

import (
	"os"
	"strings"
	"testing"
)

// docBlock returns the fenced code block that follows marker in
// docs/testing-your-app.md.
func docBlock(t *testing.T, marker string) string {
	t.Helper()
	doc, err := os.ReadFile("../../docs/testing-your-app.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), marker)
	if !ok {
		t.Fatalf("docs/testing-your-app.md has no %q", marker)
	}
	_, after, _ = strings.Cut(after, "```go\n")
	block, _, ok := strings.Cut(after, "```\n")
	if !ok {
		t.Fatalf("no code block after %q", marker)
	}
	return block
}

func TestDocShowsThisFile(t *testing.T) {
	file, err := os.ReadFile("doc_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, want, _ := strings.Cut(string(file), "\nimport (")
	_, got, _ := strings.Cut(docBlock(t, "<!-- tests/testserver/doc_test.go -->"), "\nimport (")
	if got != want {
		t.Fatalf("docs/testing-your-app.md's Go example differs from tests/testserver/doc_test.go from `import (` on:\n--- doc\n%s\n--- file\n%s", got, want)
	}
}
