//go:build !cgo

package main

func answer() int { return 42 }
