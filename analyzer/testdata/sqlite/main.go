// Command sqlite locks itself, then uses SQLite through
// github.com/mattn/go-sqlite3: it creates a table in a database file,
// inserts 10,000 rows in a transaction (the journal: pwrite, fsync,
// fchown as root, unlink) and sums them with a GROUP BY (realloc's
// mremap). It lives in its own module so that the main module does not
// depend on go-sqlite3.
package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/mattn/go-sqlite3"
	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	path := filepath.Join(os.Getenv("FIXTURE_DIR"), "test.db")
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	if err := run(path); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func run(path string) error {
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE t (k INTEGER, v TEXT)`); err != nil {
		return err
	}
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare(`INSERT INTO t (k, v) VALUES (?, ?)`)
	if err != nil {
		return err
	}
	for i := range 10000 {
		if _, err := stmt.Exec(i%97, fmt.Sprintf("row %d with some text to make the pages fill up", i)); err != nil {
			return err
		}
	}
	if err := stmt.Close(); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	rows, err := db.Query(`SELECT k, COUNT(*), GROUP_CONCAT(v) FROM t GROUP BY k ORDER BY k`)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups, total := 0, 0
	for rows.Next() {
		var k, n int
		var all string
		if err := rows.Scan(&k, &n, &all); err != nil {
			return err
		}
		groups++
		total += n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if groups != 97 || total != 10000 {
		return fmt.Errorf("GROUP BY: %d groups, %d rows; want 97 and 10000", groups, total)
	}
	return nil
}
