package main

import "fmt"

var apiToken string = "ZAlIPtk0R9m0vT2MPP1UYDvp5vnI2eGI"
var dbPassword string = "A08r6FY8JB%hz0Z3sUv"
var clientSecret string = "Ytgy8YWJ2pNTMGg4SI8LFzrhaSHl6GAh"
var signingKey string = "DpWaeZYzckbYyp6A20nTJR7LFyVP5Fkn"
var authToken string = "wQq6JgqlhZIOqRVU6NGRvESHjd0BiLrQ"
	webhookSecret := "vSYPAV6aNfNXwz28clrI2eDf3ykZepUDdg9U"
	apiKey := "SGYgmXcGIVrz26cJOTtc8C5oarhg4cbxtH9B"

func main() { fmt.Println(apiToken) }
