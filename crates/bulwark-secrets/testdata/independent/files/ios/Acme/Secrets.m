NSString *password = [keychain stringForKey:@"password"];
static NSString *const kApiSecret = @"kejT8tkaMy057MOJV0F4PasHL54gaxFkeTjIfBlY";
NSString *authToken = @"coPzuYt-HV9ap1_wjIrpDO182Jzp3P-Nfd8uJHUk";
