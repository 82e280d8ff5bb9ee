
Æ
helloworld/helloworld.proto
helloworld""
HelloRequest
name (	Rname"&

HelloReply
message (	Rmessage2G
Greeter<
SayHello.helloworld.HelloRequest.helloworld.HelloReplybproto3