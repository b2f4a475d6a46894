// Command broken is a fixture with a type error.
package main

func main() {
	var n int = "not a number"
	_ = n
}
