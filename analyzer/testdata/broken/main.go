// Command broken does not type-check: Analyze must say so.
package main

func main() {
	var n int = "not a number"
	_ = n
}
