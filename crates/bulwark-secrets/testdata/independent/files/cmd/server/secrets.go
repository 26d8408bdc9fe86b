package main

import "fmt"

var apiToken string = "z8RtG9JEmTvvpYwPZijBeh3H0ERrgQha"
var dbPassword string = "NlNCWx9REE#QN270lbG"
var clientSecret string = "yGw4e4ZXetSqRXRQ3x0m30SJs0kCHX2T"
var signingKey string = "jHFp2c1IdRhUj0F29IduBYX3OZdeuuXe"
var authToken string = "zSgAkEbfHWW126jJODsBGon8mcXULH88"
	webhookSecret := "OahfSfeqBIfwJD4fBP7wmFSu7lfGATNEJvet"
	apiKey := "pm587fw1H97mEMMStz67GuJvkqMac5HaaibK"

func main() { fmt.Println(apiToken) }
