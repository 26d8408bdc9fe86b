let password = KeychainWrapper.standard.string(forKey: "password")
let apiSecret = "kUTefyIAlrcqLHHAvue2IVCJiIMnW4OrvBCk25ug"
static let clientSecret = "IO2ScjbxdMSbr423AMrvUo0vk9uX3LRc"
