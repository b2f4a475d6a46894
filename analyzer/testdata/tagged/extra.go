//go:build extra

package main

import "syscall"

func init() { hooks = append(hooks, syscall.Sync) }
