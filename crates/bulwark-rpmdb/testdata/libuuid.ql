/usr/lib/.build-id
/usr/lib/.build-id/df/ef6a880adac817216ab9866779a0725e017647
/usr/lib64/libuuid.so.1
/usr/lib64/libuuid.so.1.3.0
/usr/share/licenses/libuuid
/usr/share/licenses/libuuid/COPYING
/usr/share/licenses/libuuid/COPYING.BSD-3
