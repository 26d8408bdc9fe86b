fn main() {
    let v = semver::Version::parse("1.2.3").unwrap();
    let mut b = itoa::Buffer::new();
    println!("{} {}", v, b.format(v.major));
}
