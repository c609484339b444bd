module gosdkrun

go 1.18

// The SDK is not fetched: run.sh copies this module to a build directory and points this
// requirement at a local checkout with
//   go mod edit -replace github.com/TencentCloud/tencentcloud-cmq-sdk-go=$GO_CMQ_SDK_DIR
require github.com/TencentCloud/tencentcloud-cmq-sdk-go v0.0.0
