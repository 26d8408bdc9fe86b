package greet

// Hello returns a greeting.
func Hello(name string) string { return "hello, " + name }
