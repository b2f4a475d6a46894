// Package lib is a fixture: a package that is not main.
package lib

// Answer is here so that the package is not empty.
const Answer = 42
