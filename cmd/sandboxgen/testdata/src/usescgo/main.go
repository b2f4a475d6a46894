// Command usescgo is a fixture that uses cgo.
package main

// #include <unistd.h>
import "C"

import "fmt"

func main() {
	fmt.Println(C.getpid())
}
