// Command hello is a fixture: the smallest program worth sandboxing.
package main

import (
	"fmt"
	"os"
)

func main() {
	f, err := os.Open("/etc/hostname")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	fmt.Println("opened", f.Name())
}
