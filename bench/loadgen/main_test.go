package main

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestNewTarget(t *testing.T) {
	for _, tc := range []struct {
		url, wantErr string
	}{
		{"http://127.0.0.1:8080/", ""},
		{"http://[::1]:8080/a?b=c", ""},
		{"https://127.0.0.1/", "give an http URL"},
		{"http://example.com/", "loopback"},
		{"http://10.0.0.1/", "loopback"},
	} {
		_, err := newTarget(tc.url)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("newTarget(%q) = %v, want error containing %q", tc.url, err, tc.wantErr)
		}
	}
}

// TestRoundTrip runs requests against a net/http server: answers with a
// Content-Length count, on one keep-alive connection; any other answer is
// an error that says what was wrong.
func TestRoundTrip(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("a"))
		w.(http.Flusher).Flush()
		w.Write([]byte("b"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct {
		path, wantErr string
	}{
		{"/ok", ""},
		{"/missing", "want 200"},
		{"/chunked", "without Content-Length"},
	} {
		tg, err := newTarget(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", tg.host)
		if err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		for i := range 3 {
			err := tg.roundTrip(conn, r)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("%s, request %d: %v, want error containing %q", tc.path, i, err, tc.wantErr)
			}
			if err != nil {
				break
			}
		}
		conn.Close()
	}
}
