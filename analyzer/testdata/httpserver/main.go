// Command httpserver serves HTTP on loopback and fetches a page from itself
// with net/http's client.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

func main() {
	if err := selfsandbox.Lock(); err != nil {
		fmt.Fprintln(os.Stderr, "lock:", err)
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello %s", r.URL.Query().Get("name"))
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	for i := 0; i < 3; i++ {
		resp, err := http.Get("http://" + ln.Addr().String() + "/hello?name=fixture")
		if err != nil {
			panic(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello fixture" {
			panic(string(body))
		}
	}
	srv.Close()
	fmt.Println("ok")
}
