package main

import "fmt"

var apiToken string = "dZtuwtxogosrMSHwJ1aecV7jskZaRkfP"
var dbPassword string = "YqnyMDMRiR%4R8F9Bdg"
var clientSecret string = "6yg2w3BhjfmKkMFJn96pxxaSrzo8K00g"
var signingKey string = "ELWuuygvadr4zckmZGRU3L8g0YOTPgMb"
var authToken string = "bUKrDYRX8mCPWRkWvyRqNd8WbaqHC9Et"
	webhookSecret := "NQb0A7sCEvDi5XHzmoMBVHOErTDKcHnEyIq7"
	apiKey := "IKziaCfLo6x8LsfpQX4vWZNf9lWRCrlcQJOT"

func main() { fmt.Println(apiToken) }
