// Command tagged needs sync(2) only when built with the "extra" tag.
package main

var hooks []func()

func main() {
	for _, h := range hooks {
		h()
	}
}
