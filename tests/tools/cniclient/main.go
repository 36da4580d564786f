// SPDX-License-Identifier: MIT
//
// cniclient drives a CNI plugin the way a container runtime does, through
// Debian's libcni (golang-github-appc-cni-dev), for int/cni_plugin:
//
//	cniclient CNI_PATH CONFLIST NETNS IFNAME CONTAINERID add|check|del|version
//
// add prints the result JSON; version prints the plugin's supported versions;
// an error is printed on stderr with exit 1.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

func main() {
	if len(os.Args) != 7 {
		fmt.Fprintln(os.Stderr, "usage: cniclient CNI_PATH CONFLIST NETNS IFNAME CONTAINERID add|check|del|version")
		os.Exit(2)
	}
	path, file, netns, ifname, id, cmd := os.Args[1], os.Args[2], os.Args[3], os.Args[4], os.Args[5], os.Args[6]
	bytes, err := os.ReadFile(file)
	if err != nil {
		fail(err)
	}
	list, err := libcni.ConfListFromBytes(bytes)
	if err != nil {
		fail(err)
	}
	cache := filepath.Join(filepath.Dir(file), "cache")
	cni := libcni.NewCNIConfigWithCacheDir(strings.Split(path, ":"), cache, nil)
	rt := &libcni.RuntimeConf{ContainerID: id, NetNS: netns, IfName: ifname}
	ctx := context.Background()
	switch cmd {
	case "add":
		res, err := cni.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		out, err := json.Marshal(res)
		if err != nil {
			fail(err)
		}
		fmt.Println(string(out))
	case "check":
		if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "del":
		if err := cni.DelNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "version":
		vi, err := cni.GetVersionInfo(ctx, list.Plugins[0].Network.Type)
		if err != nil {
			fail(err)
		}
		fmt.Println(strings.Join(vi.SupportedVersions(), " "))
	default:
		fail(fmt.Errorf("unknown command %q", cmd))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cniclient:", err)
	os.Exit(1)
}
