// SPDX-License-Identifier: Apache-2.0
#include "agent/init/vsock.h"

#include <linux/vm_sockets.h>
#include <sys/socket.h>

namespace agent::init {

vmm::Result<vmm::UniqueFd> connect_vsock(uint32_t cid, uint32_t port)
{
    vmm::UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        return vmm::Error::from_errno("socket(AF_VSOCK)");
    }
    sockaddr_vm address {};
    address.svm_family = AF_VSOCK;
    address.svm_cid = cid;
    address.svm_port = port;
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0) {
        return vmm::Error::from_errno("connect(AF_VSOCK)");
    }
    return fd;
}

} // namespace agent::init
