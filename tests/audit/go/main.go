// Command tlogcheck checks sceau's audit checkpoints and proofs with Go's x/mod alone:
// note.Open and note.NewVerifier for the signed notes, tlog.CheckRecord and tlog.CheckTree
// for the proofs. The tests run it as a checker sceau did not write.
//
//	tlogcheck checkpoint VERIFIER-KEY NOTE-FILE      prints: origin size root(hex) and extensions
//	tlogcheck inclusion VERIFIER-KEY PROOF-FILE      a c2sp.org/tlog-proof@v1 with the entry as extra
//	tlogcheck consistency VERIFIER-KEY PROOF-FILE    sceau's consistency proof (see docs/audit.md)
//
// Exit status 0 when everything checks, 1 with the reason on standard error otherwise.
package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	origin     string
	size       int64
	root       tlog.Hash
	extensions []string
}

// open checks the note's signature with the pinned key and parses the C2SP checkpoint body.
func open(msg []byte, vkey string) (checkpoint, error) {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return checkpoint{}, fmt.Errorf("verifier key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return checkpoint{}, fmt.Errorf("note: %w", err)
	}
	lines := strings.Split(strings.TrimSuffix(n.Text, "\n"), "\n")
	if len(lines) < 3 || lines[0] != verifier.Name() {
		return checkpoint{}, errors.New("checkpoint: too few lines, or origin is not the key name")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		return checkpoint{}, errors.New("checkpoint: bad size")
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return checkpoint{}, errors.New("checkpoint: bad root")
	}
	return checkpoint{lines[0], size, root, lines[3:]}, nil
}

func hashes(lines []string) ([]tlog.Hash, error) {
	var out []tlog.Hash
	for _, line := range lines {
		h, err := tlog.ParseHash(line)
		if err != nil {
			return nil, fmt.Errorf("bad hash line %q", line)
		}
		out = append(out, h)
	}
	return out, nil
}

func inclusion(data []byte, vkey string) error {
	head, msg, found := bytes.Cut(data, []byte("\n\n"))
	if !found {
		return errors.New("proof: no blank line")
	}
	lines := strings.Split(string(head), "\n")
	if len(lines) < 3 || lines[0] != "c2sp.org/tlog-proof@v1" || !strings.HasPrefix(lines[1], "extra ") || !strings.HasPrefix(lines[2], "index ") {
		return errors.New("proof: bad header")
	}
	entry, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(lines[1], "extra "))
	if err != nil {
		return errors.New("proof: bad extra")
	}
	index, err := strconv.ParseInt(strings.TrimPrefix(lines[2], "index "), 10, 64)
	if err != nil {
		return errors.New("proof: bad index")
	}
	path, err := hashes(lines[3:])
	if err != nil {
		return err
	}
	c, err := open(msg, vkey)
	if err != nil {
		return err
	}
	// tlog's RecordProof lists the siblings from the leaf up, as RFC 9162 §2.1.3 does.
	if err := tlog.CheckRecord(tlog.RecordProof(path), c.size, c.root, index, tlog.RecordHash(entry)); err != nil {
		return fmt.Errorf("inclusion: %w", err)
	}
	fmt.Printf("entry %d is in the tree of %d\n", index, c.size)
	return nil
}

func consistency(data []byte, vkey string) error {
	parts := strings.Split(string(data), "\n\n")
	if len(parts) != 5 {
		return errors.New("proof: not a header, two notes")
	}
	lines := strings.Split(parts[0], "\n")
	if lines[0] != "sceau.audit/consistency-proof@v1" {
		return errors.New("proof: bad header")
	}
	path, err := hashes(lines[1:])
	if err != nil {
		return err
	}
	old, err := open([]byte(parts[1]+"\n\n"+parts[2]+"\n"), vkey)
	if err != nil {
		return fmt.Errorf("old %w", err)
	}
	new, err := open([]byte(parts[3]+"\n\n"+parts[4]), vkey)
	if err != nil {
		return fmt.Errorf("new %w", err)
	}
	// tlog's TreeProof is RFC 9162's PROOF(m, D[n]) in the same order; it needs m >= 1.
	if err := tlog.CheckTree(tlog.TreeProof(path), new.size, new.root, old.size, old.root); err != nil {
		return fmt.Errorf("consistency: %w", err)
	}
	fmt.Printf("tree %d extends tree %d\n", new.size, old.size)
	return nil
}

func run(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: tlogcheck checkpoint|inclusion|consistency VERIFIER-KEY FILE")
	}
	data, err := os.ReadFile(args[2])
	if err != nil {
		return err
	}
	switch args[0] {
	case "checkpoint":
		c, err := open(data, args[1])
		if err != nil {
			return err
		}
		fmt.Printf("%s %d %x %s\n", c.origin, c.size, c.root[:], strings.Join(c.extensions, "|"))
		return nil
	case "inclusion":
		return inclusion(data, args[1])
	case "consistency":
		return consistency(data, args[1])
	}
	return fmt.Errorf("unknown check %q", args[0])
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
