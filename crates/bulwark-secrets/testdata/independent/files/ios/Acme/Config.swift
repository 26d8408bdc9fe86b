let password = KeychainWrapper.standard.string(forKey: "password")
let apiSecret = "xx6NDHkavkvfi6fXTgDfFMwwSPfavEnJ6YV4hc1j"
static let clientSecret = "uqpCZzHxs0upDQTMfJO8OlXlZsDJvCCD"
