package main

import "fmt"

var apiToken string = "fhesnQ7QYrkEAkpO9yZOdZtuwtxogosr"
var dbPassword string = "MSHwJ1aecV#skZa2fPY"
var clientSecret string = "qnyMDMRiRx4R8FLBdg6yg2w3BhjfmKkM"
var signingKey string = "FJn96pxxaSrzo8K00gELWuuygvadr4zc"
var authToken string = "kmZGRU3L8g0YOTPgMbbUKrDYRX8mCPWR"
	webhookSecret := "kWvyRqNd8WbaqHC9EtNQb0A7sCEvDi5XHzmo"
	apiKey := "MBVHOErTDKcHnEyIq7IKziaCfLo6x8LsfpQX"

func main() { fmt.Println(apiToken) }
