// Command bigprog is a program of about 250 packages for the analysis
// benchmark: it touches a broad part of the standard library (HTTP and
// templates, encodings, archives and compression, crypto, images, SQL,
// RPC, Go source parsing, profiling, structured logging) the way a large
// service would.
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"compress/lzw"
	"compress/zlib"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/asn1"
	"encoding/base64"
	"encoding/csv"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"expvar"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"go/types"
	"hash/crc32"
	"html/template"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"log"
	"log/slog"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httputil"
	"net/http/pprof"
	"net/mail"
	"net/rpc"
	"net/smtp"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	textTemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/sandboxgen/sandboxgen/selfsandbox"
)

var (
	addr    = flag.String("addr", "127.0.0.1:0", "listen address")
	dataDir = flag.String("data", os.TempDir(), "data directory")
)

type record struct {
	Name    string    `json:"name" xml:"name"`
	Size    int64     `json:"size" xml:"size"`
	ModTime time.Time `json:"mod_time" xml:"mod_time"`
	Sum     string    `json:"sum" xml:"sum"`
}

type store struct {
	mu      sync.Mutex
	records map[string]record
	db      *sql.DB
	logger  *slog.Logger
}

func (s *store) add(name string, data []byte) record {
	sum := sha256.Sum256(data)
	r := record{Name: name, Size: int64(len(data)), ModTime: time.Now(), Sum: hex.EncodeToString(sum[:])}
	s.mu.Lock()
	s.records[name] = r
	s.mu.Unlock()
	s.logger.Info("stored", "name", name, "size", len(data))
	return r
}

func (s *store) list() []record {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]record, 0, len(s.records))
	for _, r := range s.records {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Arith is served over net/rpc.
type Arith struct{}

// Multiply multiplies two numbers.
func (Arith) Multiply(args [2]int, reply *int) error { *reply = args[0] * args[1]; return nil }

var page = template.Must(template.New("page").Parse(`<ul>{{range .}}<li>{{.Name}} {{.Size}}</li>{{end}}</ul>`))

func archive(records []record, w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, r := range records {
		f, err := zw.Create(r.Name + ".json")
		if err != nil {
			return err
		}
		if err := json.NewEncoder(f).Encode(r); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(gzip.NewWriter(&tb))
	for _, r := range records {
		body, _ := xml.Marshal(r)
		tw.WriteHeader(&tar.Header{Name: r.Name + ".xml", Size: int64(len(body)), Mode: 0o600})
		tw.Write(body)
	}
	return tw.Close()
}

func decode(kind string, r io.Reader) (int, error) {
	var rd io.Reader
	switch kind {
	case "bzip2":
		rd = bzip2.NewReader(r)
	case "flate":
		rd = flate.NewReader(r)
	case "lzw":
		rd = lzw.NewReader(r, lzw.LSB, 8)
	case "zlib":
		zr, err := zlib.NewReader(r)
		if err != nil {
			return 0, err
		}
		rd = zr
	default:
		rd = r
	}
	b, err := io.ReadAll(rd)
	return len(b), err
}

func imageSize(r io.Reader) (image.Point, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return image.Point{}, err
	}
	var buf bytes.Buffer
	switch {
	case img.Bounds().Dx() > 100:
		err = jpeg.Encode(&buf, img, nil)
	case img.Bounds().Dx() > 10:
		err = png.Encode(&buf, img)
	default:
		err = gif.Encode(&buf, img, nil)
	}
	return img.Bounds().Size(), err
}

func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, _ := x509.MarshalECPrivateKey(key)
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	return tls.X509KeyPair(certPEM, keyPEM)
}

func cryptoSelfTest() error {
	k := make([]byte, 32)
	rand.Read(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	nonce := make([]byte, gcm.NonceSize())
	sealed := gcm.Seal(nil, nonce, []byte("x"), nil)
	mac := hmac.New(sha512.New, k)
	mac.Write(sealed)
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	_ = ed25519.Sign(priv, mac.Sum(nil))
	rk, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		return err
	}
	_, err = asn1.Marshal(rk.PublicKey.E)
	return err
}

func inspectSource(src string) (string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		return "", err
	}
	conf := types.Config{Error: func(error) {}}
	conf.Check("x", fset, []*ast.File{f}, nil)
	var out bytes.Buffer
	err = format.Node(&out, fset, f)
	return out.String(), err
}

func report(records []record) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 8, 1, ' ', 0)
	for _, r := range records {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Name, r.Size, r.Sum[:8])
	}
	tw.Flush()
	t := textTemplate.Must(textTemplate.New("t").Parse("{{len .}} records\n"))
	t.Execute(&b, records)
	return b.String()
}

func main() {
	flag.Parse()
	u, _ := user.Current()
	s := &store{records: map[string]record{}, logger: slog.New(slog.NewJSONHandler(os.Stderr, nil))}
	if u != nil {
		s.logger.Info("user", "name", u.Username)
	}
	if db, err := sql.Open("nosuchdriver", ""); err == nil {
		s.db = db
	}
	rpc.Register(Arith{})
	expvar.NewInt("records")
	debug.SetGCPercent(200)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// Like a service that sandboxes itself once it listens: the analysis
	// then also decides what only the code before this point needs.
	selfsandbox.MustLock()
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.Handle("/debug/vars", expvar.Handler())
	mux.HandleFunc("/upload", func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			data, _ := io.ReadAll(p)
			rec := s.add(p.FileName(), data)
			os.WriteFile(filepath.Join(*dataDir, filepath.Base(rec.Name)), data, 0o600)
		}
	})
	mux.HandleFunc("/list", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("format") {
		case "csv":
			cw := csv.NewWriter(w)
			for _, rec := range s.list() {
				cw.Write([]string{rec.Name, strconv.FormatInt(rec.Size, 10)})
			}
			cw.Flush()
		case "gob":
			gob.NewEncoder(w).Encode(s.list())
		case "zip":
			archive(s.list(), w)
		case "html":
			page.Execute(w, s.list())
		default:
			json.NewEncoder(w).Encode(s.list())
		}
	})
	mux.HandleFunc("/image", func(w http.ResponseWriter, r *http.Request) {
		size, err := imageSize(r.Body)
		fmt.Fprintln(w, size, err)
	})
	mux.HandleFunc("/decode", func(w http.ResponseWriter, r *http.Request) {
		n, err := decode(r.URL.Query().Get("kind"), bufio.NewReader(r.Body))
		fmt.Fprintln(w, n, err)
	})
	mux.HandleFunc("/format", func(w http.ResponseWriter, r *http.Request) {
		src, _ := io.ReadAll(r.Body)
		out, err := inspectSource(string(src))
		fmt.Fprintln(w, out, err)
	})
	mux.HandleFunc("/mail", func(w http.ResponseWriter, r *http.Request) {
		m, err := mail.ReadMessage(r.Body)
		if err == nil {
			err = smtp.SendMail("127.0.0.1:25", nil, "a@example.com", []string{m.Header.Get("To")}, []byte("x"))
		}
		fmt.Fprintln(w, err)
	})
	mux.HandleFunc("/run", func(w http.ResponseWriter, r *http.Request) {
		out, err := exec.CommandContext(r.Context(), "/bin/echo", r.URL.Query().Get("arg")).Output()
		fmt.Fprintln(w, string(out), err, utf8.RuneCount(out), crc32.ChecksumIEEE(out))
	})
	target, _ := url.Parse("http://127.0.0.1:1")
	mux.Handle("/proxy/", httputil.NewSingleHostReverseProxy(target))
	mux.HandleFunc("/report", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, report(s.list()), base64.StdEncoding.EncodeToString([]byte(r.URL.Path)))
	})
	_ = multipart.ErrMessageTooLarge
	_ = regexp.MustCompile(`^[a-z]+$`)

	cert, err := selfSigned()
	if err != nil {
		log.Fatal(err)
	}
	if err := cryptoSelfTest(); err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: mux, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	if err := srv.ServeTLS(ln, "", ""); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
