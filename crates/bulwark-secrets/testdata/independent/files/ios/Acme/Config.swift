let password = KeychainWrapper.standard.string(forKey: "password")
let apiSecret = "3bLZSQvKm5l8qYkap9kaENiwkAPEMWU9thuFLNnb"
static let clientSecret = "yIUn3UdkJkkUTefyIAlrcqLHHAvue2IV"
