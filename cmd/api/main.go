// Command api is the Todo app's HTTP API. Run `api help` for its subcommands.
package main

import "github.com/todoapp/resetmail/internal/boot"

func main() { boot.Main(run) }
